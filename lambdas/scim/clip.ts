/**
 * How an error detail quotes what the client sent (a path, an id, a sortBy, a member type): the
 * client sees what was refused, and a hostile value, which can be as long as the body, is cut.
 */
const MAX_QUOTED_CHARACTERS = 100;

export function clipped(text: string): string {
  return text.length > MAX_QUOTED_CHARACTERS ? `${text.slice(0, MAX_QUOTED_CHARACTERS)}…` : text;
}
