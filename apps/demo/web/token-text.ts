// How a token's text is shown on the page: whitespace made visible so that " the" and "the" differ.

/** The token's text with spaces as ␣, newlines as ↵ and tabs as ⇥ (empty tokens as ∅). */
export function visibleToken(text: string): string {
  if (text === '') return '∅';
  return text.replace(/ /g, '␣').replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/\r/g, '␍');
}
