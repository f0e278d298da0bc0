export { applyEvent, ticketFields, KEY_FEATURES_GREEN_THRESHOLD } from './apply.js';
