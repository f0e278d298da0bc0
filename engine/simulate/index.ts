export {
  simulate, isoWeek,
  type SimulationOptions, type SimulationReport, type SimulatedAccount, type SimulatedRun, type SimulatedTask, type PlaybookSummary,
} from './simulate.js';
export { formatReport } from './format.js';
