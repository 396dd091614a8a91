{#- The chats.csv contract: exactly its 47 columns in its order, names as the contract spells
    them; array columns hold their JSON text ([] when empty), written once per chat here so
    messages and the CSV export copy text. Each column's origin is documented in chats.yml. -#}
-- The contract's column names (spaces, camelCase) are quoted on purpose.
-- noqa: disable=RF05,RF06
with

chat_sessions as (

    select * from {{ ref('chat_sessions') }}

),

contracted as (

    select
        to_json(coalesce(locations, [])) as "locations",
        first_name as "first name",
        cast(null as boolean) as "user bypass messages limit",
        customer_name as "name",
        cast(null as varchar) as "read only token",
        phone_number as "phone number",
        to_json(coalesce(pois, [])) as "pois",
        coalesce(is_test_chat, false) as "is test chat",
        cast(null as varchar) as "clientId",
        cast(null as varchar) as "organizationConfigId",
        email as "email",
        suborganization as "suborganization",
        to_json(coalesce(provinces, [])) as "provinces",
        starting_domain as "starting domain",
        to_json(coalesce(section_types, [])) as "section type",
        cast(null as boolean) as "is reviewed",
        cast(null as varchar) as "limit messages case",
        sentiment as "sentiment",
        slug as "slug",
        is_chat_classified as "is chat classified",
        cast(null as timestamp) as "ontraport update time",
        to_json(coalesce(trip_types, [])) as "trip type",
        most_relevant_trip_name as "most relevant trip name",
        to_json(coalesce(countries, [])) as "countries",
        chat_id as "chatId",
        to_json(coalesce(email_types, [])) as "email types",
        cast(null as timestamp) as "newsletter subscription time",
        language as "language",
        last_name as "last name",
        cast(null as timestamp) as "idle message sent time",
        resolution as "resolution",
        token as "token",
        cast(null as timestamp) as "subscription idle message sent time",
        is_default_chat as "is default chat",
        cast(null as varchar) as "ontraport note id",
        to_json(coalesce(actions, [])) as "actions",
        has_email as "has email",
        most_relevant_brand_name as "most relevant brand name",
        created_at as "created at",
        organization_id as "organizationId",
        recommendations_cta_url as "recommendations cta url",
        updated_at as "updated at",
        cast(null as timestamp) as "idle email sent time",
        cast(null as varchar) as "humanloop session id",
        default_message_id as "defaultMessageId",
        is_structured_info_extracted as "is structured info extracted",
        to_json(coalesce(cities, [])) as "cities"

    from chat_sessions

)

select * from contracted
