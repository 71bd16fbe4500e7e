// Reading Markdown as GitHub renders it, for the tests of the project's own pages: which headings
// a page has (as anchors) and which links it makes.

/** The page without fenced code blocks, whose `#` lines are comments and whose brackets are code. */
export const prose = (markdown: string): string => markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, "")

/** GitHub's heading anchor (github-slugger): lower case, punctuation dropped, spaces to hyphens. */
export const slug = (heading: string): string =>
  heading
    .replace(/<[^>]*>/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-")

/** The anchors of a page's headings, repeated headings numbered as GitHub numbers them. */
export const anchors = (markdown: string): Set<string> => {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const m of prose(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const base = slug(m[1]!)
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

/** Inline links and images `[text](target)` and reference definitions `[label]: target`, outside code. */
export const links = (markdown: string): string[] => {
  const text = prose(markdown).replace(/`[^`\n]*`/g, "")
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!)
  const defined = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]!)
  return [...inline, ...defined]
}
