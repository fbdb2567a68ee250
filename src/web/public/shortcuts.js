// @ts-check
/* global document, Element, HTMLInputElement */

/** Input types that take no typing, so shortcuts stay active on them. */
const NON_TEXT_INPUTS = new Set(['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file', 'image']);

/**
 * Whether a key press on `target` is typing (a text field, a select, a text area or editable
 * content), where single-letter shortcuts must not fire.
 * @param {EventTarget | null} target
 */
export function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target instanceof HTMLInputElement) return !NON_TEXT_INPUTS.has(target.type);
  if (target.closest('textarea, select, [contenteditable]:not([contenteditable="false"])')) return true;
  return false;
}

/**
 * Installs single-key shortcuts on the document: `bindings` maps a `KeyboardEvent.key` to its
 * action. They do not fire while typing, while a dialog is open, or with Ctrl, Alt or Meta held
 * (so the browser's own shortcuts keep working). A held key repeats only the `repeatable` ones.
 * @param {Record<string, () => void>} bindings
 * @param {{ repeatable?: string[] }} [options]
 * @returns {() => void} removes them
 */
export function installShortcuts(bindings, options = {}) {
  const repeatable = new Set(options.repeatable ?? []);
  /** @param {KeyboardEvent} event */
  const onKeyDown = (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (event.repeat && !repeatable.has(event.key)) return;
    if (isTyping(event.target) || document.querySelector('dialog[open]')) return;
    const action = Object.hasOwn(bindings, event.key) ? bindings[event.key] : undefined;
    if (!action) return;
    event.preventDefault();
    action();
  };
  document.addEventListener('keydown', onKeyDown);
  return () => document.removeEventListener('keydown', onKeyDown);
}
