/**
 * What the detector keeps of an answer's scores: the label and the margin between the two best
 * (probabilities). A single score (vad's speech probability) is the two-class pair [1 - p, p].
 */
export function summarizeScores(scores: ArrayLike<number>): { label: number; margin: number } {
  const pair = scores.length === 1 ? [1 - scores[0], scores[0]] : Array.from(scores);
  let best = 0;
  for (let i = 1; i < pair.length; i++) if (pair[i] > pair[best]) best = i;
  let second = -Infinity;
  for (let i = 0; i < pair.length; i++) if (i !== best) second = Math.max(second, pair[i]);
  return { label: best, margin: Math.max(0, Math.min(1, pair[best] - second)) };
}
