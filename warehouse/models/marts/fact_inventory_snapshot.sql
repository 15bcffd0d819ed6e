-- One row per store, product and quarter-end day counted (a periodic snapshot), with the price
-- version in effect at the end of that day and the stock's value at that list price.
with snapshots as (
    select *, cast(snapshot_date as timestamp) + interval 1 day - interval 1 second as counted_at
    from {{ ref('stg_inventory_snapshots') }}
),

first_products as (
    select product_id, min(valid_from) as first_from from {{ ref('dim_product') }} group by product_id
),

joined as (
    select
        -- ids and keys
        cast(hash(cast(x.store_id as varchar) || '|' || x.product_id || '|' || cast(x.snapshot_date as varchar)) >> 1 as bigint) as snapshot_key,
        s.store_key,
        p.product_key,
        cast(strftime(x.snapshot_date, '%Y%m%d') as integer) as date_key,
        -- the day
        x.snapshot_date,
        -- measures
        x.quantity,
        round(x.quantity * p.price, 2) as stock_value
    from snapshots x
    left join {{ ref('dim_store') }} s on s.store_id = x.store_id
    left join first_products fp on fp.product_id = x.product_id
    -- a moment before the first version is read as its start: plain comparisons keep this a hash join (an OR made it a nested loop)
    left join {{ ref('dim_product') }} p
        on p.product_id = x.product_id
       and greatest(x.counted_at, fp.first_from) >= p.valid_from and greatest(x.counted_at, fp.first_from) < p.valid_to
),

final as (
    select * from joined
)

select * from final
