-- cpstats: give each image in Typst output its text alternative.
-- pandoc's Typst writer drops an image's alt text; a chart's text alternative is its
-- caption (and an explicit alt attribute wins), so write the figure as raw Typst.

local function typst_string(text)
  return '"' .. text:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('\n', ' ') .. '"'
end

function Figure(figure)
  if not FORMAT:match('typst') then
    return nil
  end
  local image
  figure:walk({ Image = function(img) image = img end })
  if not image then
    return nil
  end
  local caption = pandoc.utils.stringify(figure.caption.long)
  local alt = image.attributes['alt'] or caption
  local body = pandoc.write(pandoc.Pandoc(figure.caption.long), 'typst')
  return pandoc.RawBlock('typst', string.format(
    '#figure(image(%s, alt: %s, width: 100%%), caption: [%s])',
    typst_string(image.src), typst_string(alt), body:gsub('%s+$', '')))
end
