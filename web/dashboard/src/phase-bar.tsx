import type { PhasePlan } from '../../../engine/index.js';

/** One cycle of a plan as a bar: each phase's green (labelled), yellow and all-red, and the offset. */
export function PhaseBar({ plan }: { plan: PhasePlan }) {
  const width = 600;
  const scale = width / plan.cycleSeconds;
  let t = 0;
  const parts: preact.JSX.Element[] = [];
  plan.phases.forEach((p, i) => {
    const seg = (secs: number, colour: string, label?: string) => {
      const x = t * scale;
      const w = secs * scale;
      parts.push(<rect key={`${i}-${colour}`} x={x} y={0} width={Math.max(0, w)} height={26} fill={colour} />);
      if (label && w > 28) parts.push(<text key={`${i}-label`} x={x + 4} y={17} font-size="11" fill="#fff">{label}</text>);
      t += secs;
    };
    seg(p.greenSeconds, '#2f9e44', `${shortName(p.phaseId)} ${p.greenSeconds}s`);
    seg(p.yellowSeconds, '#fab005');
    seg(p.allRedSeconds, '#e03131');
  });
  return (
    <figure class="phase-bar" data-testid="phase-bar">
      <svg viewBox={`0 0 ${width} 40`} width="100%" role="img" aria-label={`cycle ${plan.cycleSeconds} s, offset ${plan.offsetSeconds} s`}>
        {parts}
        <line x1={0} x2={0} y1={0} y2={34} stroke="#1c7ed6" stroke-width={3} />
        <text x={2} y={38} font-size="9" fill="#495057">green of {shortName(plan.phases[0]?.phaseId ?? '')} starts at offset {plan.offsetSeconds} s</text>
      </svg>
      <figcaption>
        cycle <b data-testid="plan-cycle">{plan.cycleSeconds} s</b> · offset {plan.offsetSeconds} s · version <b data-testid="plan-version">{plan.version}</b> · {plan.source}
      </figcaption>
    </figure>
  );
}

export function shortName(phaseId: string): string {
  const i = phaseId.lastIndexOf(':');
  return i >= 0 ? phaseId.slice(i + 1) : phaseId;
}
