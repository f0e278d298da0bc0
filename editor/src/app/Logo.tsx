export function Logo({ size = 22, withName = false }: { size?: number; withName?: boolean }) {
  return (
    <span className="wm-brand-mark" style={{ display: 'inline-flex', alignItems: 'center', gap: 8 }}>
      <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true">
        <rect width="24" height="24" rx="6" fill="#2f6fde" />
        <path d="M6 17l4-10 2 5 2-3 4 8" fill="none" stroke="#fff" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      {withName && <span>Waymark</span>}
    </span>
  );
}
