import { lazy, type ComponentType } from 'react';
import { reloadForMissingChunk } from './pwa-state.ts';

export interface LazyPage {
  Component: ComponentType;
  /** Starts loading the chunk, as a hover or an idle callback does before navigation. */
  preload(): Promise<unknown>;
}

/** Loads a route's page from its own chunk, reloading the page once when the chunk is gone after a deploy. */
export function lazyPage(load: () => Promise<{ default: ComponentType }>): LazyPage {
  let loading: Promise<{ default: ComponentType }> | null = null;
  const preload = () => {
    loading ??= load().catch((error: unknown) => {
      loading = null;
      if (reloadForMissingChunk()) return new Promise<never>(() => undefined);
      throw error;
    });
    return loading;
  };
  return { Component: lazy(preload), preload };
}
