-- Catalog products, typed and deduplicated (the latest version of each id wins).
with source as (
    select * from {{ source('products') }}
),

typed as (
    select
        -- ids
        product_id,
        vendor_id,
        -- attributes
        name as product_name,
        category,
        subcategory,
        lower(trim(sport)) as sport,
        -- measures
        round(price, 2) as price,
        -- timestamps
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at
    from source
),

final as (
    select * from typed
    qualify row_number() over (partition by product_id order by updated_at desc) = 1
)

select * from final
