/**
 * Stable template id: FNV-1a (64-bit, as two 32-bit halves) of the template text, as 16 hex digits.
 * The same template text gives the same id in every process and replica, with no coordination.
 */
export function templateIdOf(template: string): string {
  // Two independent 32-bit FNV-1a lanes with different offset bases; 64 bits keep collisions
  // negligible for the ≤ 10^6 templates a deployment holds (birthday bound ~ 2^-25).
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < template.length; i++) {
    const c = template.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h2 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
