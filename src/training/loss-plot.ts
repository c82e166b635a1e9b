/**
 * The loss curve as an SVG picture: training loss per step (thin) and evaluation losses (points and a
 * line), iterations across, loss up. d3-scale chooses the axes' ranges and round tick values, d3-shape
 * draws the lines; the SVG around them is a few strings.
 */
import { scaleLinear } from "d3-scale";
import { line } from "d3-shape";

export interface LossPoint {
  readonly iter: number;
  readonly loss: number;
}

const WIDTH = 720;
const HEIGHT = 400;
const MARGIN = { top: 30, right: 130, bottom: 40, left: 55 };

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function lossCurveSvg(title: string, train: readonly LossPoint[], validation: readonly LossPoint[]): string {
  const all = [...train, ...validation].filter((p) => Number.isFinite(p.loss));
  const maxIter = Math.max(1, ...all.map((p) => p.iter));
  const losses = all.map((p) => p.loss);
  const x = scaleLinear().domain([0, maxIter]).range([MARGIN.left, WIDTH - MARGIN.right]).nice();
  const y = scaleLinear().domain([Math.min(...losses, Infinity) || 0, Math.max(...losses, -Infinity) || 1]).range([HEIGHT - MARGIN.bottom, MARGIN.top]).nice();
  const path = line<LossPoint>().x((p) => x(p.iter)).y((p) => y(p.loss));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="14">${escape(title)}</text>`,
  ];
  for (const tick of y.ticks(6)) {
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#eee"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${y(tick) + 4}" text-anchor="end">${y.tickFormat(6)(tick)}</text>`);
  }
  for (const tick of x.ticks(8)) parts.push(`<text x="${x(tick)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${tick}</text>`);
  parts.push(`<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 6}" text-anchor="middle">iteration</text>`);
  parts.push(`<text transform="translate(14 ${HEIGHT / 2}) rotate(-90)" text-anchor="middle">loss</text>`);
  if (train.length > 1) parts.push(`<path d="${path(train as LossPoint[])}" fill="none" stroke="#9ecae1" stroke-width="1"/>`);
  if (validation.length > 0) {
    parts.push(`<path d="${path(validation as LossPoint[])}" fill="none" stroke="#e6550d" stroke-width="2"/>`);
    for (const p of validation) parts.push(`<circle cx="${x(p.iter)}" cy="${y(p.loss)}" r="3" fill="#e6550d"/>`);
  }
  const legendX = WIDTH - MARGIN.right + 12;
  parts.push(`<line x1="${legendX}" x2="${legendX + 20}" y1="${MARGIN.top + 6}" y2="${MARGIN.top + 6}" stroke="#9ecae1" stroke-width="2"/><text x="${legendX + 26}" y="${MARGIN.top + 10}">train (step)</text>`);
  parts.push(`<line x1="${legendX}" x2="${legendX + 20}" y1="${MARGIN.top + 26}" y2="${MARGIN.top + 26}" stroke="#e6550d" stroke-width="2"/><text x="${legendX + 26}" y="${MARGIN.top + 30}">validation</text>`);
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
