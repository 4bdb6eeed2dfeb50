// Klaviyo's official Node SDK (npm klaviyo-api, which sends revision 2026-07-15) against the sandbox:
// profiles, events, lists, flows, campaigns and catalog items, following `links.next` to page.
// Usage: node sdk_probe.js <base url, e.g. http://127.0.0.1:8787/klaviyo> <private key>
// Prints one JSON object of what it saw; tests/test_klaviyo_node_sdk.py checks it.
const klaviyo = require('klaviyo-api')

const [base, key] = process.argv.slice(2)
const session = new klaviyo.ApiKeySession(key)
function api(Kind) {
  const made = new Kind(session)
  made.basePath = base
  return made
}

function cursorOf(next) {
  return next ? new URL(next).searchParams.get('page[cursor]') : undefined
}

async function everyPage(fetchPage) {
  const seen = []
  let cursor
  let pages = 0
  do {
    const { body } = await fetchPage(cursor)
    seen.push(...body.data)
    pages += 1
    cursor = cursorOf(body.links && body.links.next)
  } while (cursor)
  return { ids: seen.map((r) => r.id), pages }
}

async function main() {
  const profiles = api(klaviyo.ProfilesApi)
  const made = []
  for (let i = 0; i < 5; i++) {
    const { body } = await profiles.createProfile({ data: { type: 'profile', attributes: { email: `node${i}@example.com` } } })
    made.push(body.data.id)
  }
  const paged = await everyPage((cursor) => profiles.getProfiles({ pageSize: 2, pageCursor: cursor }))

  const events = api(klaviyo.EventsApi)
  const event = await events.createEvent({ data: { type: 'event', attributes: {
    properties: { sku: 'A1' },
    metric: { data: { type: 'metric', attributes: { name: 'Viewed Product' } } },
    profile: { data: { type: 'profile', attributes: { email: 'node0@example.com' } } } } } })

  const lists = api(klaviyo.ListsApi)
  const list = (await lists.createList({ data: { type: 'list', attributes: { name: 'Node VIP' } } })).body.data
  await lists.addProfilesToList(list.id, { data: made.slice(0, 3).map((id) => ({ type: 'profile', id })) })
  const members = await everyPage((cursor) => lists.getProfilesForList(list.id, { pageSize: 2, pageCursor: cursor }))
  const ofProfile = (await profiles.getListsForProfile(made[0])).body.data.map((l) => l.id)

  const flows = (await api(klaviyo.FlowsApi).getFlows()).body.data

  const campaignsApi = api(klaviyo.CampaignsApi)
  const campaign = (await campaignsApi.createCampaign({ data: { type: 'campaign', attributes: {
    name: 'Node spring', audiences: { included: [list.id] },
    campaignMessages: { data: [{ type: 'campaign-message', attributes: { definition: { channel: 'email', label: 'Spring' } } }] } } } })).body.data
  const campaigns = (await campaignsApi.getCampaigns("equals(messages.channel,'email')")).body.data

  const catalogs = api(klaviyo.CatalogsApi)
  for (let i = 0; i < 3; i++) {
    await catalogs.createCatalogItem({ data: { type: 'catalog-item', attributes: {
      externalId: `SKU-${i}`, title: `Shirt ${i}`, description: 'A shirt.', url: `https://shop.example.com/${i}` } } })
  }
  const items = await everyPage((cursor) => catalogs.getCatalogItems({ pageCursor: cursor }))

  console.log(JSON.stringify({
    profiles: made, pagedProfiles: paged, eventStatus: event.response.status,
    list: list.id, members, listsOfProfile: ofProfile, flows: flows.length,
    campaign: { id: campaign.id, status: campaign.attributes.status }, campaigns: campaigns.map((c) => c.id),
    items,
  }))
}

main().catch((error) => {
  const response = error.response
  console.error(response ? `${response.status} ${JSON.stringify(response.data)}` : String(error))
  process.exit(1)
})
