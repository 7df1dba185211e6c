// Theme toggle (progressive enhancement): the button is hidden without
// JavaScript, where prefers-color-scheme alone decides. The choice is stored
// in localStorage and applied before paint by the inline script in <head>.
const KEY = 'lattice-theme';
const root = document.documentElement;
const button = document.querySelector<HTMLButtonElement>('[data-theme-toggle]');
const media = window.matchMedia('(prefers-color-scheme: dark)');

function effectiveDark(): boolean {
  const chosen = root.dataset.theme;
  return chosen === 'dark' || (chosen !== 'light' && media.matches);
}

function render(): void {
  if (!button) return;
  button.setAttribute('aria-pressed', String(effectiveDark()));
}

if (button) {
  button.hidden = false;
  render();
  button.addEventListener('click', () => {
    const next = effectiveDark() ? 'light' : 'dark';
    root.dataset.theme = next;
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // Storage blocked: the choice lasts for this page only.
    }
    render();
  });
  media.addEventListener('change', render);
}
