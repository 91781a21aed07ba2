// The test environment's getComputedStyle (src/test/jsdom-environment.js) keeps answers: they must follow the DOM.
describe('getComputedStyle in the test environment', () => {
  afterEach(() => {
    document.head.innerHTML = '';
    document.body.innerHTML = '';
  });

  it('answers from a sheet added or changed after an answer was kept', () => {
    document.body.innerHTML = '<div class="box"><span>text</span></div>';
    const box = document.querySelector('.box')!;
    expect(getComputedStyle(box).display).toBe('block');
    const sheet = document.createElement('style');
    sheet.textContent = '.box { display: none; }';
    document.head.appendChild(sheet);
    expect(getComputedStyle(box).display).toBe('none');
    sheet.textContent = '.box { display: flex; }';
    expect(getComputedStyle(box).display).toBe('flex');
  });

  it('answers from an inline style or a class set after an answer was kept', () => {
    document.head.innerHTML = '<style>.gone { visibility: hidden; }</style>';
    document.body.innerHTML = '<div><p>text</p></div>';
    const p = document.querySelector('p')!;
    expect(getComputedStyle(p).visibility).toBe('visible');
    p.style.visibility = 'hidden';
    expect(getComputedStyle(p).visibility).toBe('hidden');
    p.removeAttribute('style');
    p.parentElement!.className = 'gone';
    expect(getComputedStyle(p).visibility).toBe('hidden');
  });

  it('inherits visibility from the nearest ancestor that sets it; an element may set its own', () => {
    document.head.innerHTML = '<style>.hidden { visibility: hidden; } .shown { visibility: visible; }</style>';
    document.body.innerHTML = '<section class="hidden"><div><p>a</p><p class="shown">b</p></div></section>';
    const [a, b] = Array.from(document.querySelectorAll('p'));
    expect(getComputedStyle(a).visibility).toBe('hidden');
    expect(getComputedStyle(b).visibility).toBe('visible');
    expect(getComputedStyle(document.body).visibility).toBe('visible');
  });
});
