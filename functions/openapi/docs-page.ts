// The API reference page: swagger-ui (vendored from the swagger-ui-dist package, no CDN) rendering
// /openapi.json, under a content security policy that allows only this origin.

/** The files /docs/{asset} serves: our init script, and swagger-ui's bundle and styles. */
export const DOCS_ASSETS: Record<string, { contentType: string; vendored?: string }> = {
  'init.js': { contentType: 'application/javascript; charset=utf-8' },
  'swagger-ui-bundle.js': { contentType: 'application/javascript; charset=utf-8', vendored: 'swagger-ui-bundle.js' },
  'swagger-ui.css': { contentType: 'text/css; charset=utf-8', vendored: 'swagger-ui.css' },
};

/** No inline scripts, nothing from other origins; swagger-ui sets inline styles, so styles allow them. */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DOCS_SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': DOCS_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'public, max-age=300',
};

/** Relative links so the page works under an API Gateway stage prefix (/prod/docs) as well as locally. */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OCRlty API reference</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
`;

export const DOCS_INIT_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: new URL('openapi.json', window.location.href.replace(/\\/docs\\/?$/, '/')).href,
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
  });
});
`;
