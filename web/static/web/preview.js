// The campaign preview at desktop or mobile width: the frame takes the width of the button
// pressed, so the mail's own media queries answer as on a phone.
document.addEventListener("DOMContentLoaded", () => {
  const frame = document.getElementById("preview");
  const buttons = document.querySelectorAll("[data-preview-width]");
  if (!frame) {
    return;
  }
  for (const button of buttons) {
    button.addEventListener("click", () => {
      frame.classList.toggle("mail-frame-mobile", button.dataset.previewWidth === "mobile");
      for (const other of buttons) {
        other.setAttribute("aria-pressed", String(other === button));
      }
    });
  }
});
