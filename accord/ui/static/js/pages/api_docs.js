// /docs: Swagger UI from the vendored bundle (accord/ui/static/vendor/swagger-ui, no CDN),
// started here rather than in an inline script, so the page keeps the UI's CSP.

const root = document.getElementById("swagger-ui");
window.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  deepLinking: true,
  validatorUrl: null, // the default would send the document to validator.swagger.io
});
