import { formatServerNames } from './format';

const servers = (n: number) => Array.from({ length: n }, (_, i) => ({ server_name: `web-${i + 1}` }));

describe('formatServerNames', () => {
  it('names up to ten servers, then says how many more with thousands separators', () => {
    expect(formatServerNames([])).toBe('');
    expect(formatServerNames(servers(2))).toBe('web-1, web-2');
    expect(formatServerNames(servers(10))).toBe(
      servers(10)
        .map((s) => s.server_name)
        .join(', ')
    );
    expect(formatServerNames(servers(11))).toMatch(/^web-1, .*, web-10 and 1 more$/);
    expect(formatServerNames(servers(1_244))).toMatch(/ web-10 and 1,234 more$/);
  });
});
