/** ISO time for the API: null for "without end", undefined when absent. */
export function iso(ms: number | null | undefined): string | null | undefined {
  if (ms === undefined) return undefined;
  if (ms === null || ms === Infinity) return null;
  return new Date(ms).toISOString();
}
