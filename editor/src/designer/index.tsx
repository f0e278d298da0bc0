/// <reference types="vite/client" />
/**
 * The designer: the definitions library and the graph editor for playbooks and journeys.
 * The app shell mounts LibraryPage at /library and DefinitionPage at /definitions/:id.
 */
import './designer.css';

export { LibraryPage } from './LibraryPage.js';
export { DefinitionPage } from './DefinitionPage.js';
