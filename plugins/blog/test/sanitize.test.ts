// A blog post's body is HTML, sanitized on every write (API.md "Content items"; issue: "XSS payloads are stripped").
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { createPost, publicAccess } from './helpers.js'

/** Attribute values of every tag, entity references decoded. */
function attributeValues(html: string): Array<{ tag: string; name: string; value: string }> {
  const out: Array<{ tag: string; name: string; value: string }> = []
  for (const tag of html.match(/<[a-zA-Z][^>]*>/g) ?? []) {
    const tagName = tag.match(/^<([a-zA-Z0-9]+)/)![1]!.toLowerCase()
    for (const m of tag.matchAll(/([^\s"'=<>/]+)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/g)) {
      out.push({ tag: tagName, name: m[1]!.toLowerCase(), value: decode(m[3] ?? m[4] ?? m[5] ?? '') })
    }
  }
  return out
}

function decode(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);?/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);?/g, (_, d) => String.fromCodePoint(parseInt(d, 10)))
    .replace(/&colon;/gi, ':')
    .replace(/&tab;/gi, '\t')
    .replace(/&newline;/gi, '\n')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

/** Fails unless `html` carries no script, no event handler and no script-capable URL. */
function expectSafe(html: string, payload = ''): void {
  const why = `${payload} → ${html}`
  expect(html, why).to.not.match(/<\s*\/?\s*(script|iframe|frame|object|embed|svg|math|style|link|meta|base|form|input|button|textarea|noscript|template)\b/i)
  for (const { tag, name, value } of attributeValues(html)) {
    expect(name, why).to.not.match(/^on/)
    expect(name, why).to.not.match(/^(style|srcdoc|formaction|xlink:href|action)$/)
    if (['href', 'src'].includes(name)) {
      const url = value.replace(/[\u0000-\u0020\u007f-\u00a0]+/g, '').toLowerCase()
      expect(url, why).to.not.match(/^(javascript|vbscript|livescript):/)
      if (tag === 'a') expect(url, why).to.not.match(/^data:/)
    }
  }
}

/** Bodies that try to run script, each with something that must survive around it. */
const XSS_PAYLOADS: string[] = [
  '<p>ok</p><script>alert(1)</script>',
  '<p>ok</p><SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  '<p>ok</p><ScRiPt >alert(1)</sCrIpT >',
  '<p>ok</p><scr<script>ipt>alert(1)</script>',
  '<p>ok</p><img src="https://example.org/a.png" onerror="alert(1)">',
  '<p>ok</p><img src=x onerror=alert(1)//>',
  '<p onclick="alert(1)" ONMOUSEOVER=\'alert(2)\' oNfOcUs=alert(3)>ok</p>',
  '<p>ok</p><a href="javascript:alert(1)">x</a>',
  '<p>ok</p><a href="JaVaScRiPt:alert(1)">x</a>',
  '<p>ok</p><a href="  javascript:alert(1)">x</a>',
  '<p>ok</p><a href="java\tscript:alert(1)">x</a>',
  '<p>ok</p><a href="java\nscript:alert(1)">x</a>',
  '<p>ok</p><a href="\u0001javascript:alert(1)">x</a>',
  '<p>ok</p><a href="java&#x09;script:alert(1)">x</a>',
  '<p>ok</p><a href="jav&#x0A;ascript:alert(1)">x</a>',
  '<p>ok</p><a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
  '<p>ok</p><a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
  '<p>ok</p><a href="&#0000106avascript:alert(1)">x</a>',
  '<p>ok</p><a href="javascript&colon;alert(1)">x</a>',
  '<p>ok</p><a href="vbscript:msgbox(1)">x</a>',
  '<p>ok</p><a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '<p>ok</p><img src="javascript:alert(1)">',
  '<p>ok</p><iframe src="javascript:alert(1)"></iframe>',
  '<p>ok</p><iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<p>ok</p><svg onload=alert(1)><a xlink:href="javascript:alert(1)">x</a></svg>',
  '<p>ok</p><math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<p>ok</p><noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<p>ok</p><object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
  '<p>ok</p><form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button></form>',
  '<p>ok</p><meta http-equiv="refresh" content="0;url=javascript:alert(1)"><base href="javascript:alert(1)//">',
  '<p>ok</p><link rel="stylesheet" href="javascript:alert(1)"><style>body{background:url(javascript:alert(1))}</style>',
  '<p style="background:url(javascript:alert(1))">ok</p>',
  '<p>ok</p><div><details open ontoggle=alert(1)>x</details></div>',
  '<p>ok</p><!--<script>alert(1)</script>-->',
  '<p>ok</p><template><script>alert(1)</script></template>',
  '<p>ok</p><img alt="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" src="https://example.org/a.png">',
]

describe('blog: sanitizing the body', () => {
  let tk: TestKernel
  let alice: SignedUp

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [blogPlugin, commentsPlugin] })
    await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
  })
  after(() => tk?.close())

  it('strips scripts, event handlers and script URLs on create (mixed case, whitespace and entity-encoded variants)', async () => {
    for (const payload of XSS_PAYLOADS) {
      const post = await createPost(alice.client, { body: payload, access: publicAccess(alice.user.id) })
      expectSafe(post.body, payload)
      expect(post.body, payload).to.include('ok')
      expect(post.excerpt, payload).to.not.match(/<script|alert\(1\)<\/script/i)
      // What is stored is what was answered: a later read shows the same clean body.
      const read = await tk.client().get(`/api/v1/blogs/${post.id}`)
      expect(read.body.body).to.equal(post.body)
    }
  })

  it('strips them on update too', async () => {
    const post = await createPost(alice.client, { body: '<p>clean</p>' })
    for (const payload of XSS_PAYLOADS) {
      const res = await alice.client.patch(`/api/v1/blogs/${post.id}`, { body: payload })
      expect(res.status, res.text).to.equal(200)
      expectSafe(res.body.body, payload)
      expect(res.body.body, payload).to.include('ok')
    }
  })

  it('drops the content of script and style elements, not just the tags', async () => {
    const post = await createPost(alice.client, { body: '<p>before</p><script>stealCookies()</script><style>p{}</style><p>after</p>' })
    expect(post.body).to.equal('<p>before</p><p>after</p>')
    expect(post.excerpt).to.equal('before after')
  })

  it('removes only the dangerous parts: the link text, the image and the paragraph stay', async () => {
    const post = await createPost(alice.client, {
      body: '<p onclick="x()">Hello <a href="javascript:alert(1)">there</a> <img src="https://example.org/a.png" alt="A" onerror="x()"></p>',
    })
    expect(post.body).to.equal('<p>Hello <a rel="noopener noreferrer">there</a> <img src="https://example.org/a.png" alt="A" /></p>')
  })

  it('keeps safe markup: headings, emphasis, lists, tables, quotes, code, http(s), mailto and relative links', async () => {
    const body =
      '<h2>Title</h2><p><strong>bold</strong> <em>it</em> <code>x &lt; y</code></p>' +
      '<ul><li>one</li><li>two</li></ul><ol start="3"><li>three</li></ol>' +
      '<blockquote>quote</blockquote><table><thead><tr><th scope="col">h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table>' +
      '<p><a href="https://example.org/page?a=1&amp;b=2">web</a> <a href="mailto:info@example.org">mail</a> <a href="/blogs">here</a></p>'
    const post = await createPost(alice.client, { body })
    expect(post.body).to.include('<h2>Title</h2>')
    expect(post.body).to.include('<strong>bold</strong> <em>it</em> <code>x &lt; y</code>')
    expect(post.body).to.include('<ul><li>one</li><li>two</li></ul><ol start="3"><li>three</li></ol>')
    expect(post.body).to.include('<th scope="col">h</th>')
    expect(post.body).to.include('href="https://example.org/page?a=1&amp;b=2"')
    expect(post.body).to.include('href="mailto:info@example.org"')
    expect(post.body).to.include('href="/blogs"')
  })

  it('gives every link rel="noopener noreferrer", replacing whatever rel it had', async () => {
    const post = await createPost(alice.client, {
      body: '<p><a href="https://example.org" target="_blank">a</a> <a href="https://example.org" rel="opener">b</a> <a href="/x" rel="noopener noreferrer nofollow">c</a></p>',
    })
    const anchors = post.body.match(/<a\b[^>]*>/g)
    expect(anchors).to.have.length(3)
    for (const a of anchors) expect(a).to.match(/\srel="noopener noreferrer"/)
    expect(post.body).to.not.include('opener"')
    expect(post.body).to.include('target="_blank"')
  })

  it('leaves text that only looks like markup escaped, as text', async () => {
    const post = await createPost(alice.client, { body: '<p>a &lt;script&gt;alert(1)&lt;/script&gt; b</p>' })
    expect(post.body).to.equal('<p>a &lt;script&gt;alert(1)&lt;/script&gt; b</p>')
    expectSafe(post.body)
  })
})
