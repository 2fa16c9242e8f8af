// The overview's figures, as the server defines them (src/metrics/figures-view.ts).
export type { FiguresView as Figures } from '../../../../src/metrics/figures-view';
