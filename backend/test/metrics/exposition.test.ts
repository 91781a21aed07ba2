import { spawnSync } from 'node:child_process';
import { GaugeFamily, labelString } from '../../src/metrics/exposition';
import { parseExposition } from './exposition';

/** The hand-written text path for per-server series: escaping, and what promtool and our parser read back. */
test('label values are escaped as the text format wants: backslash, double quote, newline', () => {
  expect(labelString({ a: 'plain', b: 'x"y', c: 'back\\slash', d: 'two\nlines', e: '' })).toBe(
    'a="plain",b="x\\"y",c="back\\\\slash",d="two\\nlines",e=""'
  );
});

test('a family renders HELP, TYPE and its series; an empty one renders nothing', () => {
  const f = new GaugeFamily('haproxy_control_test', 'A help text\nwith a newline');
  expect(f.render()).toBe('');
  const labels = labelString({ server: 's"1', backend: 'b\\1' });
  f.add(labels, 1, 'state="UP"');
  f.add(labels, 0.5);
  f.add('', NaN);
  expect(f.render()).toBe(
    [
      '# HELP haproxy_control_test A help text\\nwith a newline',
      '# TYPE haproxy_control_test gauge',
      'haproxy_control_test{server="s\\"1",backend="b\\\\1",state="UP"} 1',
      'haproxy_control_test{server="s\\"1",backend="b\\\\1"} 0.5',
      'haproxy_control_test NaN',
      '',
    ].join('\n')
  );
  const text = f.render();
  expect(parseExposition(text)[0]).toEqual({
    name: 'haproxy_control_test',
    labels: { server: 's"1', backend: 'b\\1', state: 'UP' },
    value: 1,
  });
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  expect({ code: lint.status, out: `${lint.stdout}${lint.stderr}` }).toEqual({ code: 0, out: '' });
});
