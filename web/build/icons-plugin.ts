import type { Plugin } from 'vite';
import { renderPngIcon } from './png-icon.ts';

/** Icon sizes of the web app manifest: 192 and 512 px are what Chromium's install check asks for. */
export const ICON_SIZES = [192, 512] as const;

/** Emits the PNG app icons into the build, so no binary file lives in the repository. */
export function iconsPlugin(): Plugin {
  return {
    name: 'cleanroom:icons',
    apply: 'build',
    generateBundle() {
      for (const size of ICON_SIZES) {
        this.emitFile({
          type: 'asset',
          fileName: `icons/icon-${size}.png`,
          source: renderPngIcon(size),
        });
      }
    },
  };
}
