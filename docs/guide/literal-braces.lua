-- Quarto reads an inline code span that begins with a name in double braces, `{{python}} x`, as an
-- escaped code-cell engine and shows it with one pair of braces removed, `{python} x`. The guide's
-- code spans are literal text (commentary placeholders such as `{{ referrals }}`), so each such span
-- is given the pair of braces Quarto removes. This filter runs before Quarto's own.
function Code(el)
  el.text = el.text:gsub("^({{+[^<}]+}+})", "{%1}")
  return el
end
