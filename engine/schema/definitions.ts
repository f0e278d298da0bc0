/**
 * The Waymark definition format, defined once.
 *
 * TypeBox gives both the TypeScript types (Static<...>) and the JSON Schema
 * (written to playbooks/schema/waymark.schema.json by `npm run schema`), so the
 * editor, ajv, code editors and the engine all agree on one shape.
 * Meaning that a schema cannot express (reachability, known fields, allowed
 * operators...) is checked by engine/validate.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', minLength: 1, maxLength: 80, description: 'Lower-case id: letters, digits, - and _' });
const Text = (description: string, opts: Record<string, unknown> = {}) => Type.String({ minLength: 1, maxLength: 500, description, ...opts });

/** A JSON Logic rule. Its operators and variables are checked by the validator, not the schema. */
export const Condition = Type.Unknown({ description: 'A JSON Logic rule over account fields (see playbooks/fields.json)' });
export type Condition = unknown;

export const Duration = Type.Object(
  {
    days: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
    hours: Type.Optional(Type.Integer({ minimum: 0, maximum: 24 * 3650 })),
  },
  { additionalProperties: false, description: 'A span of time; at least one of days or hours' },
);
export type Duration = Static<typeof Duration>;

export const Position = Type.Object({ x: Type.Number(), y: Type.Number() }, { additionalProperties: false });
/** Graph layout, kept apart from logic so moving a node is a diff of its own. */
export const Layout = Type.Object(
  { nodes: Type.Record(Type.String(), Position) },
  { additionalProperties: false, description: 'Editor positions per node id; no effect on behaviour' },
);
export type Layout = Static<typeof Layout>;

// ---------- Tasks (CTAs) ----------

export const TaskType = Type.Union([Type.Literal('risk'), Type.Literal('opportunity'), Type.Literal('lifecycle'), Type.Literal('activity')]);
export type TaskType = Static<typeof TaskType>;
export const Priority = Type.Union([Type.Literal('urgent'), Type.Literal('high'), Type.Literal('medium'), Type.Literal('low')]);
export type Priority = Static<typeof Priority>;

export const Owner = Type.Union([
  Type.Object({ type: Type.Literal('account-owner') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('role'), role: Text('A team role, e.g. support-manager') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('user'), user: Text('A user id') }, { additionalProperties: false }),
]);
export type Owner = Static<typeof Owner>;

export const ChecklistStep = Type.Object(
  { id: Id, title: Text('What to do, may use merge fields'), dueDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })) },
  { additionalProperties: false },
);
export type ChecklistStep = Static<typeof ChecklistStep>;

export const EmailTemplate = Type.Object(
  {
    to: Type.Optional(Text('Recipient, may use merge fields, e.g. {{account.primaryContactEmail}}')),
    subject: Text('Subject line with merge fields such as {{account.name}}'),
    body: Type.String({ minLength: 1, maxLength: 20000, description: 'Plain-text body with merge fields' }),
  },
  { additionalProperties: false },
);
export type EmailTemplate = Static<typeof EmailTemplate>;

export const TaskSpec = Type.Object(
  {
    title: Text('Task title, may use merge fields'),
    type: TaskType,
    priority: Priority,
    owner: Owner,
    dueDays: Type.Integer({ minimum: 0, maximum: 3650, description: 'Due this many days after the task is created' }),
    reason: Type.Optional(Text('Plain-language reason shown in the queue, with merge fields, e.g. "Renewal in {{days_until account.renewalDate}} days"')),
    steps: Type.Optional(Type.Array(ChecklistStep, { maxItems: 50 })),
    email: Type.Optional(EmailTemplate),
    closeWhen: Type.Optional(Condition),
  },
  { additionalProperties: false },
);
export type TaskSpec = Static<typeof TaskSpec>;

export const AccountUpdate = Type.Object(
  {
    stage: Type.Optional(Type.Object({ journey: Id, stage: Id }, { additionalProperties: false })),
    addTags: Type.Optional(Type.Array(Id, { maxItems: 50 })),
    removeTags: Type.Optional(Type.Array(Id, { maxItems: 50 })),
    flags: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$' }), Type.Boolean())),
  },
  { additionalProperties: false, description: 'Changes to the account: journey stage, tags, flags' },
);
export type AccountUpdate = Static<typeof AccountUpdate>;

// ---------- Playbooks ----------

export const Trigger = Type.Union([
  Type.Object({ type: Type.Literal('condition'), when: Condition }, { additionalProperties: false, description: 'Starts when the condition becomes true for an account' }),
  Type.Object({ type: Type.Literal('event'), eventType: Text('Event type, e.g. nps.response'), when: Type.Optional(Condition) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('stage'), journey: Id, stage: Id, on: Type.Union([Type.Literal('entered'), Type.Literal('left')]) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('schedule'), everyDays: Type.Integer({ minimum: 1, maximum: 366 }), when: Type.Optional(Condition) }, { additionalProperties: false, description: 'Starts every N days (counted from 1970-01-01 UTC) for accounts in the audience' }),
  Type.Object({ type: Type.Literal('manual') }, { additionalProperties: false }),
]);
export type Trigger = Static<typeof Trigger>;

export const Reentry = Type.Union([
  Type.Object({ policy: Type.Literal('once') }, { additionalProperties: false }),
  Type.Object({ policy: Type.Literal('after-exit') }, { additionalProperties: false }),
  Type.Object({ policy: Type.Literal('cooldown'), days: Type.Integer({ minimum: 1, maximum: 3650 }) }, { additionalProperties: false }),
  Type.Object({ policy: Type.Literal('max-times'), times: Type.Integer({ minimum: 1, maximum: 1000 }) }, { additionalProperties: false }),
]);
export type Reentry = Static<typeof Reentry>;

export const Exit = Type.Object(
  {
    when: Condition,
    openTasks: Type.Union([Type.Literal('close'), Type.Literal('keep')], { description: 'What happens to the tasks this run created that are still open' }),
  },
  { additionalProperties: false },
);
export type Exit = Static<typeof Exit>;

export const Wait = Type.Union([
  Type.Object({ type: Type.Literal('duration'), duration: Duration }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('until-date'), field: Text('A date field of the account'), offsetDays: Type.Integer({ minimum: -3650, maximum: 3650, description: 'Negative: before the date' }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('task-done'), task: Id, timeout: Duration }, { additionalProperties: false, description: 'Until the task created by that node of this run is done; else the timeout branch' }),
  Type.Object({ type: Type.Literal('event'), eventType: Text('Event type'), when: Type.Optional(Condition), timeout: Duration }, { additionalProperties: false }),
]);
export type Wait = Static<typeof Wait>;

const nodeBase = { id: Id, label: Type.Optional(Type.String({ maxLength: 200 })) };
export const ConditionNode = Type.Object({ ...nodeBase, kind: Type.Literal('condition'), when: Condition }, { additionalProperties: false });
export const WaitNode = Type.Object({ ...nodeBase, kind: Type.Literal('wait'), wait: Wait }, { additionalProperties: false });
export const TaskNode = Type.Object({ ...nodeBase, kind: Type.Literal('task'), task: TaskSpec }, { additionalProperties: false });
export const UpdateNode = Type.Object({ ...nodeBase, kind: Type.Literal('update'), update: AccountUpdate }, { additionalProperties: false });
export const EndNode = Type.Object({ ...nodeBase, kind: Type.Literal('end') }, { additionalProperties: false });
export const PlaybookNode = Type.Union([ConditionNode, WaitNode, TaskNode, UpdateNode, EndNode]);
export type ConditionNode = Static<typeof ConditionNode>;
export type WaitNode = Static<typeof WaitNode>;
export type TaskNode = Static<typeof TaskNode>;
export type UpdateNode = Static<typeof UpdateNode>;
export type EndNode = Static<typeof EndNode>;
export type PlaybookNode = Static<typeof PlaybookNode>;
export type NodeKind = PlaybookNode['kind'];

/** The reserved node id that stands for the playbook's trigger; exactly one edge leaves it. */
export const TRIGGER_NODE_ID = 'trigger';

export const Branch = Type.Union([Type.Literal('yes'), Type.Literal('no'), Type.Literal('timeout')], {
  description: 'yes/no leave condition nodes; timeout leaves task-done and event waits; other edges have no branch',
});
export type Branch = Static<typeof Branch>;
export const Edge = Type.Object({ id: Id, from: Id, to: Id, branch: Type.Optional(Branch) }, { additionalProperties: false });
export type Edge = Static<typeof Edge>;

export const Playbook = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    kind: Type.Literal('playbook'),
    id: Id,
    name: Text('Name shown in the library'),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    trigger: Trigger,
    audience: Type.Optional(Condition),
    reentry: Reentry,
    exit: Type.Optional(Exit),
    nodes: Type.Array(PlaybookNode, { maxItems: 500 }),
    edges: Type.Array(Edge, { maxItems: 2000 }),
    layout: Type.Optional(Layout),
  },
  { additionalProperties: false },
);
export type Playbook = Static<typeof Playbook>;

// ---------- Journeys ----------

export const StageAction = Type.Union([
  Type.Object({ kind: Type.Literal('task'), id: Id, task: TaskSpec }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('update'), id: Id, update: AccountUpdate }, { additionalProperties: false }),
]);
export type StageAction = Static<typeof StageAction>;

export const Stage = Type.Object(
  {
    id: Id,
    name: Text('Stage name'),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    entry: Type.Optional(Condition),
    exit: Type.Optional(Condition),
    targetDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'Target days in stage' })),
    onEntry: Type.Optional(Type.Array(StageAction, { maxItems: 20 })),
  },
  { additionalProperties: false },
);
export type Stage = Static<typeof Stage>;

export const Transition = Type.Object({ id: Id, from: Id, to: Id, when: Type.Optional(Condition) }, { additionalProperties: false });
export type Transition = Static<typeof Transition>;

export const Journey = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    kind: Type.Literal('journey'),
    id: Id,
    name: Text('Journey name'),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    initialStage: Id,
    stages: Type.Array(Stage, { minItems: 1, maxItems: 50 }),
    transitions: Type.Array(Transition, { maxItems: 500 }),
    layout: Type.Optional(Layout),
  },
  { additionalProperties: false },
);
export type Journey = Static<typeof Journey>;

// ---------- Scorecards ----------

export const HealthColor = Type.Union([Type.Literal('green'), Type.Literal('yellow'), Type.Literal('red')]);
export type HealthColor = Static<typeof HealthColor>;

export const Thresholds = Type.Object(
  { green: Type.Number(), yellow: Type.Number() },
  { additionalProperties: false, description: 'Higher is better: >= green is green, >= yellow is yellow. Lower is better: <= green, <= yellow.' },
);
export const Measure = Type.Object(
  {
    id: Id,
    name: Text('Measure name'),
    value: Type.Unknown({ description: 'A JSON Logic expression giving a number, usually {"var": "field"}' }),
    direction: Type.Union([Type.Literal('higher-is-better'), Type.Literal('lower-is-better')]),
    thresholds: Thresholds,
    weight: Type.Number({ minimum: 0, maximum: 100 }),
  },
  { additionalProperties: false },
);
export type Measure = Static<typeof Measure>;

export const ScoreBands = Type.Object(
  { green: Type.Number({ minimum: 0, maximum: 100 }), yellow: Type.Number({ minimum: 0, maximum: 100 }) },
  { additionalProperties: false, description: 'Overall score 0-100: >= green is green, >= yellow is yellow, else red' },
);
export const TierOverride = Type.Object(
  {
    bands: Type.Optional(ScoreBands),
    measures: Type.Optional(Type.Record(Type.String(), Type.Object({ thresholds: Type.Optional(Thresholds), weight: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })) }, { additionalProperties: false }))),
  },
  { additionalProperties: false },
);
export const Scorecard = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    kind: Type.Literal('scorecard'),
    id: Id,
    name: Text('Scorecard name'),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    measures: Type.Array(Measure, { minItems: 1, maxItems: 50 }),
    bands: ScoreBands,
    minCoverage: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Share (0-1) of the total measure weight that must have values before the account is scored; below it health is empty ("not scored"). Default 0.5.' })),
    tiers: Type.Optional(Type.Record(Type.String(), TierOverride, { description: 'Overrides per value of the tier field' })),
    expectedRenewalRate: Type.Optional(Type.Object({ green: Type.Number({ minimum: 0, maximum: 1 }), yellow: Type.Number({ minimum: 0, maximum: 1 }), red: Type.Number({ minimum: 0, maximum: 1 }) }, { additionalProperties: false, description: 'Expected renewal rate per health band, for the retention forecast' })),
  },
  { additionalProperties: false },
);
export type Scorecard = Static<typeof Scorecard>;

// ---------- The data dictionary ----------

export const FieldType = Type.Union([
  Type.Literal('string'), Type.Literal('number'), Type.Literal('integer'), Type.Literal('boolean'),
  Type.Literal('date'), Type.Literal('enum'), Type.Literal('list'),
]);
export type FieldType = Static<typeof FieldType>;
export const FieldDef = Type.Object(
  {
    name: Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_]*$' }),
    type: FieldType,
    label: Text('Label shown in the rule builder'),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    values: Type.Optional(Type.Array(Type.String(), { description: 'Allowed values of an enum field' })),
    format: Type.Optional(Type.Union([Type.Literal('money'), Type.Literal('percent')], { description: 'How a number field reads: money (merge fields offer it formatted as money) or a percentage' })),
    minimum: Type.Optional(Type.Number({ description: 'Lowest value a number or integer field may hold: ingest rejects a record below it' })),
    maximum: Type.Optional(Type.Number({ description: 'Highest value a number or integer field may hold: ingest rejects a record above it' })),
    builtin: Type.Optional(Type.Boolean()),
    derived: Type.Optional(Type.Unknown({ description: 'A JSON Logic expression over other fields; computed, not stored' })),
  },
  { additionalProperties: false },
);
export type FieldDef = Static<typeof FieldDef>;
export const Fields = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    kind: Type.Literal('fields'),
    id: Id,
    name: Text('Dictionary name'),
    fields: Type.Array(FieldDef, { maxItems: 1000 }),
  },
  { additionalProperties: false },
);
export type Fields = Static<typeof Fields>;

export const Definition = Type.Union([Playbook, Journey, Scorecard, Fields], { description: 'A Waymark definition file' });
export type Definition = Playbook | Journey | Scorecard | Fields;
export type DefinitionKind = Definition['kind'];

/** Every schema above by name, for the JSON Schema file's $defs. */
export const schemas: Record<string, TSchema> = { Playbook, Journey, Scorecard, Fields, Condition, Duration, TaskSpec, Trigger, Wait };
