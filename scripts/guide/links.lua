-- A link from one page of the guide to another names its Markdown file (`data.md#reference-data`), so
-- that it works where the pages are read as they are; in the built guide it names the HTML page.
function Link(el)
  local target = el.target
  if not target:match("^%a[%w+.-]*:") and not target:match("^//") then
    el.target = target:gsub("^([^#?]*)%.q?md([#?]?)", "%1.html%2")
  end
  return el
end
