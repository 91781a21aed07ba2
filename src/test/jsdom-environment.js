// The scaffold's jsdom environment, with a faster getComputedStyle of the same answers.
//
// jsdom 20 scans every rule of every sheet for each getComputedStyle call, and again for each ancestor to
// resolve the inherited `visibility`. Testing Library calls it for every node it looks at (accessible names,
// visibility), so with Grafana's Emotion styles it took most of a page test's time. Here `visibility` is
// inherited from the parent's answer instead, and answers are kept until the DOM next changes: a mutation
// observer sees every change (nodes, attributes including `style`, the text of Emotion's <style> elements),
// and its pending records are taken on each call, so an answer never describes an older DOM.
const path = require('path');
const { TestEnvironment } = require('jest-environment-jsdom');

const styleRules = require(
  require.resolve('jsdom/lib/jsdom/living/helpers/style-rules.js', {
    paths: [path.dirname(require.resolve('jest-environment-jsdom'))],
  })
);
// jsdom resolves only `visibility` itself; the wrapper below does it from the parent's cached answer.
delete styleRules.propertiesWithResolvedValueImplemented.visibility;

class CachedStyleEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    const win = this.global;
    const compute = win.getComputedStyle.bind(win);
    let cache = new WeakMap();
    const observer = new win.MutationObserver(() => {
      cache = new WeakMap();
    });
    observer.observe(win.document, { subtree: true, childList: true, attributes: true, characterData: true });

    const computed = (element, pseudoElement) => {
      if (observer.takeRecords().length > 0) {
        cache = new WeakMap();
      }
      let byPseudo = cache.get(element);
      if (!byPseudo) {
        byPseudo = new Map();
        cache.set(element, byPseudo);
      }
      const key = pseudoElement ?? '';
      let style = byPseudo.get(key);
      if (!style) {
        style = compute(element, pseudoElement);
        if (style.getPropertyValue('visibility') === '') {
          const parent = element.parentElement;
          style.setProperty('visibility', parent ? computed(parent).getPropertyValue('visibility') : 'visible');
        }
        byPseudo.set(key, style);
      }
      return style;
    };
    win.getComputedStyle = computed;
  }
}

module.exports = CachedStyleEnvironment;
