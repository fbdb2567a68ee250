import type { SessionDetector } from './SessionDetector.js';

const START = '\u0002';
const END = '\u0003';

/**
 * Unseen-transition detector: remembers every n-gram (default bigrams and trigrams, with the start
 * and end of the session as events) of the normal sessions; a session's score is the number of
 * its n-grams never seen in training.
 */
export class NgramDetector implements SessionDetector {
  readonly name = 'ngram';
  private known = new Set<string>();

  constructor(private readonly orders: readonly number[] = [2, 3]) {}

  fit(normalSessions: readonly (readonly string[])[]): void {
    this.known = new Set();
    for (const s of normalSessions) for (const gram of this.grams(s)) this.known.add(gram);
  }

  score(sessions: readonly (readonly string[])[]): number[] {
    return sessions.map((s) => {
      let unseen = 0;
      for (const gram of this.grams(s)) if (!this.known.has(gram)) unseen++;
      return unseen;
    });
  }

  private *grams(session: readonly string[]): Generator<string> {
    const events = [START, ...session, END];
    for (const n of this.orders) {
      for (let i = 0; i + n <= events.length; i++) yield `${n}\u0001${events.slice(i, i + n).join('\u0001')}`;
    }
  }
}
