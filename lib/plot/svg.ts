/**
 * Small building blocks for SVG charts as strings: XML escaping, compact numbers, tags, a
 * colour-blind-friendly palette, and the document frame.
 *
 * Pure: no DOM, no file system.
 *
 * @module
 */

/**
 * Paul Tol's "muted" qualitative scheme (distinct for colour-blind readers), with a dark grey as
 * a tenth colour. Charts with more classes repeat it with hollow markers or dashed lines.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * const colourOf = (label: number) => plot.PALETTE[label % plot.PALETTE.length];
 * ```
 */
export const PALETTE: readonly string[] = [
  "#332288",
  "#88CCEE",
  "#44AA99",
  "#117733",
  "#999933",
  "#DDCC77",
  "#CC6677",
  "#882255",
  "#AA4499",
  "#555555",
];

/**
 * Escapes text for use in XML content and attribute values.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * plot.escapeXml(`T-shirt <"top">`); // "T-shirt &#60;&#34;top&#34;&#62;"
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A coordinate rounded to one decimal, without a trailing `.0` (keeps large charts small).
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * [plot.coord(12.04), plot.coord(12.36)]; // ["12", "12.4"]
 * ```
 */
export function coord(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/**
 * An element with attributes, self-closing when it has no content. Attribute values are escaped.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * plot.tag("circle", { cx: 10, cy: 20.25, r: 2, fill: plot.PALETTE[0] }); // <circle cx="10" .../>
 * ```
 */
export function tag(
  name: string,
  attributes: Readonly<Record<string, string | number>>,
  content?: string,
): string {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${typeof v === "number" ? coord(v) : escapeXml(v)}"`)
    .join("");
  return content === undefined ? `<${name}${attrs}/>` : `<${name}${attrs}>${content}</${name}>`;
}

/**
 * A text element; `text` is escaped.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * plot.text(40, 30, "loss < 1", { "text-anchor": "middle" });
 * ```
 */
export function text(
  x: number,
  y: number,
  content: string,
  attributes: Readonly<Record<string, string | number>> = {},
): string {
  return tag("text", { x, y, ...attributes }, escapeXml(content));
}

/**
 * A complete SVG document of the given size with a white background and a centred title.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * const svg = plot.svgDocument({ width: 200, height: 100, title: "A dot" }, [
 *   plot.tag("circle", { cx: 100, cy: 60, r: 4 }),
 * ]);
 * ```
 */
export function svgDocument(
  { width, height, title }: { width: number; height: number; title: string },
  body: readonly string[],
): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    tag("title", {}, escapeXml(title)),
    tag("rect", { width, height, fill: "white" }),
    text(width / 2, 22, title, { "text-anchor": "middle", "font-size": 16, "font-weight": "bold" }),
    ...body,
    "</svg>",
  ].join("\n");
}
