// The plan page's file picker: reads the chosen CSV into the text box the form sends, or a
// workbook (.xlsx) into a hidden field as base64, so no upload format is needed. Without
// JavaScript the text box takes pasted cells as well.
for (const input of document.querySelectorAll('input[type=file][data-fills]')) {
  const target = document.getElementById(input.dataset.fills);
  const workbook = document.getElementById(input.dataset.workbook);
  input.addEventListener('change', async () => {
    const file = input.files && input.files[0];
    if (!file || !target) return;
    if (workbook && /\.xlsx$/i.test(file.name)) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      workbook.value = btoa(binary);
      target.value = '';
      target.placeholder = file.name;
    } else {
      if (workbook) workbook.value = '';
      target.value = await file.text();
    }
  });
}
