"""Thin views: parse with a form, reach data through web.access, call one service, render."""
