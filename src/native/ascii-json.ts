// JSON for values handed back to the page through webview-nodejs bindings.
//
// libwebview-nodejs 0.1.0's webview.h passes a binding's result to the page
// through `detail::json_escape`, which walks the UTF-8 bytes one by one and
// escapes 0x80–0x9F as if they were C1 control characters ("\u0080"…). Those
// bytes are UTF-8 continuation bytes of most characters from U+0800 up ("—",
// "✓", every emoji, CJK…), so such a result reaches WebKit as broken UTF-8,
// the script that should resolve the page's promise never runs, and the page
// waits forever. ("é" happens to survive: its bytes are C3 A9.)
//
// So the host returns pure-ASCII JSON: every code unit from U+007F up is
// written as a \uXXXX escape, which JSON.parse in the page turns back into
// the same string (surrogate pairs included).

export function asciiJson(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
