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

const NARROW = new Set(" .,:;'!|()[]{}ijlItfr1-/");
const WIDE = new Set("mwMW@%");

/**
 * An upper estimate of the width in pixels of `content` in sans-serif at `fontSize` (the widest
 * common sans fonts, DejaVu Sans, are assumed), for laying out titles and legends without a DOM.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * plot.textWidth("training loss", 12) < 100; // true
 * ```
 */
export function textWidth(content: string, fontSize: number, { bold = false } = {}): number {
  let em = 0;
  for (const c of content) {
    if (NARROW.has(c)) em += 0.36;
    else if (WIDE.has(c)) em += 0.95;
    else if (c >= "A" && c <= "Z") em += 0.74;
    else em += 0.64;
  }
  return em * fontSize * (bold ? 1.12 : 1);
}

/**
 * Splits `content` into lines at spaces so that each fits `maxWidth` pixels (by
 * {@link textWidth}); a word wider than that on its own is cut.
 *
 * @example
 * ```ts
 * import { plot } from "@byol/tfjs";
 *
 * plot.wrapText("a long title of a picture", 80, 12); // ["a long title", "of a picture"]
 * ```
 */
export function wrapText(
  content: string,
  maxWidth: number,
  fontSize: number,
  { bold = false } = {},
): string[] {
  const fits = (t: string) => textWidth(t, fontSize, { bold }) <= maxWidth;
  const lines: string[] = [];
  let line = "";
  for (let word of content.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && fits(`${line} ${word}`)) {
      line = `${line} ${word}`;
      continue;
    }
    if (line !== "") lines.push(line);
    while (!fits(word) && word.length > 1) {
      let cut = word.length - 1;
      while (cut > 1 && !fits(word.slice(0, cut))) cut--;
      lines.push(word.slice(0, cut));
      word = word.slice(cut);
    }
    line = word;
  }
  if (line !== "") lines.push(line);
  return lines;
}

const TITLE = { size: 16, minSize: 13, lineHeight: 18, top: 22, padding: 12 };

/**
 * A complete SVG document of the given size with a white background and a centred bold title.
 * A title too wide for the picture is set smaller (down to 13 px) and then wrapped onto more
 * lines; the body is then moved down and the picture made taller by the extra lines, so no text
 * is clipped.
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
  const room = width - 2 * TITLE.padding;
  let size = TITLE.size;
  while (size > TITLE.minSize && textWidth(title, size, { bold: true }) > room) size--;
  const lines = wrapText(title, room, size, { bold: true });
  const extra = Math.max(0, lines.length - 1) * TITLE.lineHeight;
  const total = height + extra;
  const titleLines = lines.map((line, i) =>
    text(width / 2, TITLE.top + i * TITLE.lineHeight, line, {
      class: "title",
      "text-anchor": "middle",
      "font-size": size,
      "font-weight": "bold",
    })
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" ` +
    `viewBox="0 0 ${width} ${total}" font-family="sans-serif" font-size="12">`,
    tag("title", {}, escapeXml(title)),
    tag("rect", { width, height: total, fill: "white" }),
    ...titleLines,
    ...(extra > 0
      ? [tag("g", { transform: `translate(0 ${extra})` }, "\n" + body.join("\n") + "\n")]
      : body),
    "</svg>",
  ].join("\n");
}
