-- Stores, physical and online, type 1: a store's row is rewritten when it changes. Output: the
-- stores that are new or changed since the warehouse last had them.
with stores as (
    select * from {{ ref('stg_stores') }}
),

incoming as (
    select
        -- keys
        cast(hash('store|' || cast(store_id as varchar)) >> 1 as bigint) as store_key,
        store_id,
        -- attributes
        store_name,
        store_type,
        channel,
        city,
        state,
        case when city is not null then cast(hash(state || '|' || city) >> 1 as bigint) end as location_key,
        -- timestamps
        opened_at
    from stores
),

final as (
    select * from incoming
    except
    select * from {{ this }}
)

select * from final
