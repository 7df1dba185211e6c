// Copy buttons for install commands: the Clipboard API when allowed, else a
// selection + execCommand fallback; the result is announced in a live region.
async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the selection fallback
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

for (const box of document.querySelectorAll<HTMLElement>('[data-copy]')) {
  const button = box.querySelector<HTMLButtonElement>('[data-copy-button]');
  const source = box.querySelector<HTMLElement>('[data-copy-text]');
  const status = box.querySelector<HTMLElement>('[data-copy-status]');
  if (!button || !source || !status) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    const text = source.textContent ?? '';
    const ok = await copyText(text);
    box.dataset.copied = ok ? text : '';
    status.textContent = ok ? 'Copied' : 'Copy failed — select the text instead';
  });
}
