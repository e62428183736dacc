// The comments thread as a named view, and the HTML form that posts a comment (works without JavaScript).
import { escapeHtml, intlLocale, problems, type PluginContext, type View } from '@plein/core'
import { commentsHooks, type Comment } from './api.js'
import type { CommentsService } from './service.js'

export const messages = {
  nl: { 'comments.title': 'Reacties', 'comments.none': 'Nog geen reacties.', 'comments.body': 'Je reactie', 'comments.post': 'Plaatsen', 'comments.signIn': 'Je moet ingelogd zijn om te reageren.', 'comments.removed': 'Deze reactie is verwijderd.' },
  en: { 'comments.title': 'Comments', 'comments.none': 'No comments yet.', 'comments.body': 'Your comment', 'comments.post': 'Post', 'comments.signIn': 'You must be logged in to post a comment.', 'comments.removed': 'This comment was removed.' },
}

export interface ThreadProps {
  entityId: string
  comments: Array<Comment & { authorName: string | null }>
  /** Where to come back to after posting. */
  back: string
}

const Thread: View<ThreadProps> = ({ ui, entityId, comments, back }) => (
  <section aria-labelledby="comments-heading">
    <h2 class="utrecht-heading-2" id="comments-heading">
      {ui.t('comments.title')} ({comments.filter(c => !c.removed).length})
    </h2>
    {comments.length === 0 ? <p class="utrecht-paragraph">{ui.t('comments.none')}</p> : null}
    <ul class="plein-items">
      {comments.map(c => (
        <li id={`comment-${c.id}`} class={c.parentId ? 'plein-reply' : undefined}>
          {c.removed ? (
            <p class="plein-meta">{ui.t('comments.removed')}</p>
          ) : (
            <>
              <p class="plein-meta">
                {c.authorName ?? '—'} · <time dateTime={new Date(c.createdAt).toISOString()}>{new Date(c.createdAt).toLocaleString(intlLocale(ui.locale))}</time>
              </p>
              {/* The body was sanitized with the allowlist when it was written. */}
              <div class="utrecht-paragraph" dangerouslySetInnerHTML={{ __html: c.body }} />
            </>
          )}
        </li>
      ))}
    </ul>
    {ui.viewer.user ? (
      <form class="plein-form" method="post" action={`/entities/${entityId}/comments`}>
        <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
        <input type="hidden" name="back" value={back} />
        {ui.view('kernel.field', { name: 'body', label: ui.t('comments.body'), type: 'textarea', required: true })}
        {ui.view('kernel.submit', { label: ui.t('comments.post') })}
      </form>
    ) : (
      <p class="utrecht-paragraph">
        <a class="utrecht-link" href={`/auth/sign-in?next=${encodeURIComponent(back)}`}>
          {ui.t('comments.signIn')}
        </a>
      </p>
    )}
  </section>
)

export function commentPages(ctx: PluginContext, comments: CommentsService): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('comments.thread', Thread)
  const hooks = ctx.hooks.of(commentsHooks)
  ctx.routes(router =>
    router.post<{ body?: string; back?: string }, unknown, { id: string }>(
      'comments.form',
      '/entities/:id/comments',
      { hidden: true, params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }, form: { type: 'object', properties: { body: { type: 'string', maxLength: 20000 }, back: { type: 'string', maxLength: 500 } } } },
      async c => {
        if (!c.viewer.user) throw problems.unauthorized('You must be logged in to post a comment.', { code: 'NOT_SIGNED_IN' })
        const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id)
        const kinds = await hooks.commentable.call(c.site, [], c.site)
        if (!kinds.includes(entity.kind)) throw problems.notFound('This item takes no comments.', { code: 'NOT_COMMENTABLE' })
        const back = /^\/(?!\/)[\w\-./]*$/.test(c.input.body.back ?? '') ? c.input.body.back! : ctx.content.urlOf(entity)
        const text = (c.input.body.body ?? '').trim()
        if (text) {
          // Plain text from the form becomes paragraphs; it is escaped, then sanitized like any comment.
          const html = text.split(/\n{2,}/).map(p => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('')
          const comment = await comments.create(c.site, entity, c.viewer, html)
          await hooks.commented.call(c.site, comment, c.site)
        }
        c.redirect(`${back}#comments-heading`)
      },
    ),
  )
}
