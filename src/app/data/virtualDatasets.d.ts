/** The module the data sets' Vite plugin provides (src/data/datasetsPlugin.ts). */
declare module 'virtual:datasets' {
  /** the first 16 hex digits of datasets/manifest.json's SHA-256: names the browser's cache of the data sets */
  export const datasetsVersion: string;
}
