import type { ReactNode } from 'react';

/**
 * A wide table's horizontal scroller. Keyboard users must be able to scroll it, so it takes
 * focus (WCAG 2.1.1; axe's scrollable-region-focusable), and it is a named region.
 */
export function ScrollRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="scroll" tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}
