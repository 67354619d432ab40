export const APP_NAME = 'Cleanroom Copilot';

/** Page names by route, most specific first. A captured id follows the name. */
const ROUTE_TITLES: readonly (readonly [RegExp, string])[] = [
  [/^\/$/, 'Chat'],
  [/^\/cleanrooms\/?$/, 'Clean rooms'],
  [/^\/cleanrooms\/([^/]+)\/questions\/([^/]+)\/run\/?$/, 'Run question'],
  [/^\/cleanrooms\/([^/]+)\/?$/, 'Clean room'],
  [/^\/datasets\/?$/, 'Datasets'],
  [/^\/runs\/?$/, 'Runs'],
  [/^\/runs\/([^/]+)\/?$/, 'Run'],
  [/^\/status\/?$/, 'System status'],
];

/** Builds the document title of a route, such as "Clean room CR-000001 - Cleanroom Copilot". */
export function pageTitle(pathname: string): string {
  for (const [pattern, name] of ROUTE_TITLES) {
    const match = pattern.exec(pathname);
    if (match === null) continue;
    const subject = match[2] ?? match[1];
    const page = subject === undefined ? name : `${name} ${decodeURIComponent(subject)}`;
    return `${page} - ${APP_NAME}`;
  }
  return `Page not found - ${APP_NAME}`;
}

export const SIGN_IN_TITLE = `Sign in - ${APP_NAME}`;
