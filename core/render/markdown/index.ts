/** Statement Markdown → email HTML (./html), plain text (./text) and the one-line summary (./summary). */
export {
  type HeadingLevel,
  isAllowedUrl,
  type MarkdownHtmlOptions,
  markdownToHtml,
  REFERENCE_LINK_BUDGET,
  type TextDirection,
} from './html';
export { oneLine, SUMMARY_MAX, summaryOf, truncateAtWord } from './summary';
export {
  cleanText,
  firstParagraphText,
  linkText,
  markdownToText,
  TEXT_WIDTH,
  underlined,
  wrapText,
} from './text';
