/** A detector fitted on normal sessions (template ids) that gives each session a score: higher is more anomalous. */
export interface SessionDetector {
  readonly name: string;
  fit(normalSessions: readonly (readonly string[])[]): void;
  score(sessions: readonly (readonly string[])[]): number[];
}
