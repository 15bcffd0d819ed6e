-- Quarter-end stock counts, typed: one row per store, product and day counted.
with source as (
    select * from {{ source('inventory_snapshots') }}
),

final as (
    select
        -- ids
        store_id,
        product_id,
        cast(snapshot_date as date) as snapshot_date,
        -- measures
        quantity
    from source
    qualify row_number() over (partition by store_id, product_id, snapshot_date) = 1
)

select * from final
