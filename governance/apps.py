from __future__ import annotations

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"

    def ready(self) -> None:
        from delivery import reporting, sends
        from feedback import intake
        from feedback.apply import has_hard_bounces
        from governance import replies, reports, services
        from governance.intake import receive_abuse_report

        # QUALITY-3: every send is judged by the policy's thresholds.
        sends.register_judge(sends.Judge(judge=services.judge, has_bounces=has_hard_bounces))
        # AUDIT-2: a list's sample send is judged by the same thresholds.
        sends.register_sample_judge(services.judge_sample)
        # ABUSE-1: mail to the abuse address opens cases; ABUSE-3: replies reach the inbox.
        intake.register_abuse_intake(receive_abuse_report)
        intake.register_reply_intake(replies.receive_reply)
        # `consentry campaign report`: the command is delivery's, the report governance's.
        reporting.register_reporter(reports.command_report)
