export { analyzeTemplate, renderTemplate, renderTemplateHtml, escapeHtml, type TemplateAnalysis } from './render.js';
export { HELPERS } from './fields.js';
export { formatMoney, formatDate } from './format.js';
