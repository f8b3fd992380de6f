-- cpstats: give each image in Typst output its text alternative.
-- pandoc's Typst writer drops an image's alt text; a chart's text alternative is the image's
-- description (an explicit alt attribute wins, then the caption), so write the figure as raw Typst.
-- The image keeps its natural size (charts are drawn so that their text is 9 pt or more at it),
-- and is scaled down only where it is wider than the page.

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
  local described = pandoc.utils.stringify(image.caption)
  local alt = image.attributes['alt'] or (described ~= '' and described) or caption
  local body = pandoc.write(pandoc.Pandoc(figure.caption.long), 'typst')
  return pandoc.RawBlock('typst', string.format(
    '#figure(layout(size => { let img = image(%s, alt: %s); let natural = measure(img).width; if natural > size.width { image(%s, alt: %s, width: 100%%) } else { img } }), caption: [%s])',
    typst_string(image.src), typst_string(alt), typst_string(image.src), typst_string(alt), body:gsub('%s+$', '')))
end
