import { quotasFor, type ServiceQuotas } from "./limits";
import { fits, planCapacity, type ExpectedLoad, type Fix, type Stage } from "./model";
import { withSetting, type PipelineSettings } from "./settings";

export interface Sizing {
  /** The settings with every suggested setting applied. */
  settings: PipelineSettings;
  /** The quota values to request, beyond the region's defaults. */
  granted: Partial<ServiceQuotas>;
  /** The settings and quotas that changed, each with its final value, in the order first needed. */
  changes: Extract<Fix, { kind: "setting" | "quota" }>[];
  /** The plan with those changes. */
  stages: Stage[];
  /** Stages still short: only advice or a change of design carries them. */
  unresolved: Stage[];
}

/**
 * Applies each short stage's setting or quota fix and plans again, until every stage fits or
 * only advice and design changes are left. Fixes only ever raise a value, so this ends.
 */
export function sizeFor(load: ExpectedLoad, base: PipelineSettings, granted: Partial<ServiceQuotas> = {}): Sizing {
  let settings = base;
  const raised: Partial<ServiceQuotas> = { ...granted };
  const changes = new Map<string, Extract<Fix, { kind: "setting" | "quota" }>>();
  for (;;) {
    const stages = planCapacity(load, settings, quotasFor(settings.region, raised));
    const fixes = stages
      .filter((s) => !fits(s))
      .map((s) => s.fix)
      .filter((f): f is Extract<Fix, { kind: "setting" | "quota" }> => f.kind === "setting" || f.kind === "quota");
    let changed = false;
    for (const fix of fixes) {
      const name = fix.kind === "setting" ? fix.key : fix.name;
      const current = changes.get(name)?.value ?? -Infinity;
      if (fix.value <= current) continue;
      if (fix.kind === "setting") settings = withSetting(settings, fix.key, fix.value);
      else raised[fix.name] = Math.max(raised[fix.name] ?? 0, fix.value);
      changes.set(name, fix);
      changed = true;
    }
    if (!changed) return { settings, granted: raised, changes: [...changes.values()], stages, unresolved: stages.filter((s) => !fits(s)) };
  }
}
