/** Build marker from WEB_BUILD_ID, shown in the footer so a test can tell two builds apart. */
declare const __BUILD_ID__: string;
