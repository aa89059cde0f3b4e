/**
 * The dev server the e2e tests run against: the project's vite.config.ts (what `npm start` serves) with hot
 * reloading off, so a file saved while the tests run (a shader, a component) cannot reload the page under a
 * test. Nothing else differs.
 */
import { mergeConfig } from 'vite';
import base from '../vite.config.ts';

export default mergeConfig(base, {
  server: { hmr: false, watch: null },
});
