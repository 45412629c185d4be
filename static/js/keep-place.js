// Pages keep their place. After a form post that comes back to an anchor (a comment
// added, a part saved), the result is focused and the confirmation is shown beside it,
// not only at the top of the page. After an htmx swap (the readiness check), focus
// moves to the new result instead of being lost with the link that was replaced, and
// after a comment or reply sent with htmx, to the note just written.
function focusResult(target) {
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus();
}

document.addEventListener("DOMContentLoaded", () => {
  const onLoad = document.querySelector("[data-focus-on-load]");
  if (onLoad) {
    focusResult(onLoad);
    return;
  }
  const id = decodeURIComponent(window.location.hash.slice(1));
  const target = id && document.getElementById(id);
  if (!target || target === document.getElementById("main")) return;
  const messages = document.querySelector("#main > .messages");
  if (messages && messages.children.length) target.prepend(messages);
  focusResult(target);
});

document.addEventListener("htmx:load", (event) => {
  const element = event.detail.elt;
  // htmx also sends htmx:load for the whole page when it starts: nothing was swapped, so
  // the reader stays where the page opens.
  if (!(element instanceof HTMLElement) || element === document.body) return;
  // The swapped element itself (the readiness result), or the note just written inside
  // the notes swapped in after a comment or reply.
  const result = element.matches("[data-focus-on-swap]")
    ? element
    : element.querySelector("[data-focus-on-swap]");
  if (result) focusResult(result);
});

// A comment or reply refused (400) comes back with the reason beside its form and what
// was typed: swap it in like a success, where htmx would otherwise drop it.
document.addEventListener("htmx:beforeSwap", (event) => {
  const source = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (
    event.detail.xhr.status === 400 &&
    source instanceof Element &&
    source.closest("[data-swap-refusal]")
  ) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
