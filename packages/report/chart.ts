// One chart of the report: a heading, a sentence on what it shows, and its Vega-Lite specification, at the page's width.

export interface Chart {
  section: string;
  title: string;
  caption: string;
  spec: Record<string, unknown>;
}

export const schema = "https://vega.github.io/schema/vega-lite/v6.json";
export const width = 560;
